CREATE TABLE `security_events` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`source` text NOT NULL,
	`type` text NOT NULL,
	`severity` text NOT NULL,
	`country` text,
	`country_code` text,
	`system` text,
	`system_type` text,
	`description` text NOT NULL,
	`details` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `security_events_tenant_time` ON `security_events` (`tenant_id`,`occurred_at`,`id`);--> statement-breakpoint
CREATE INDEX `security_events_time` ON `security_events` (`occurred_at`);--> statement-breakpoint
ALTER TABLE `tenants` ADD `event_retention_days` integer DEFAULT 30 NOT NULL;