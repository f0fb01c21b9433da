CREATE TABLE `command_approvals` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`action` text NOT NULL,
	`node_id` text NOT NULL,
	`reason` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`requested_by` text NOT NULL,
	`decided_by` text,
	`decided_at` integer,
	`outcome` text,
	`expires_at` integer NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `command_approvals_tenant_created` ON `command_approvals` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `command_approvals_one_pending` ON `command_approvals` (`tenant_id`,`action`,`node_id`) WHERE status = 'pending';