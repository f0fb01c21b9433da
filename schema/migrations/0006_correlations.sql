CREATE TABLE `correlations` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`event_ids` text NOT NULL,
	`threat_vector` text NOT NULL,
	`certainty` integer NOT NULL,
	`recommendation` text NOT NULL,
	`factors` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `correlations_tenant_time` ON `correlations` (`tenant_id`,`created_at`);