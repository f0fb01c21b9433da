CREATE TABLE `machines` (
	`slug` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`owner_user_id` text NOT NULL,
	`visibility` text DEFAULT 'private' NOT NULL,
	`theta` real DEFAULT 0.85 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`owner_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `machines_tenant` ON `machines` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `machines_owner` ON `machines` (`owner_user_id`);