CREATE TABLE `incident_counters` (
	`tenant_id` text NOT NULL,
	`year` integer NOT NULL,
	`last` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `year`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `incident_timeline` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`incident_id` text NOT NULL,
	`at` integer NOT NULL,
	`event` text NOT NULL,
	`agent` text NOT NULL,
	`details` text NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `incident_timeline_incident` ON `incident_timeline` (`incident_id`,`id`);--> statement-breakpoint
CREATE TABLE `incidents` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`number` text NOT NULL,
	`type` text NOT NULL,
	`severity` text NOT NULL,
	`severity_rank` integer NOT NULL,
	`status` text DEFAULT 'OPEN' NOT NULL,
	`description` text,
	`affected_resources` text NOT NULL,
	`metadata` text NOT NULL,
	`assigned_to` text,
	`dedup_key` text,
	`occurrences` integer DEFAULT 1 NOT NULL,
	`resolution_notes` text,
	`resolved_at` integer,
	`analysis` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `incidents_number` ON `incidents` (`tenant_id`,`number`);--> statement-breakpoint
CREATE INDEX `incidents_created` ON `incidents` (`tenant_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `incidents_updated` ON `incidents` (`tenant_id`,`updated_at`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `incidents_severity` ON `incidents` (`tenant_id`,`severity_rank`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `incidents_status` ON `incidents` (`tenant_id`,`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `incidents_type` ON `incidents` (`tenant_id`,`type`,`created_at`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `incidents_open_dedup` ON `incidents` (`tenant_id`,`dedup_key`) WHERE dedup_key IS NOT NULL AND status NOT IN ('RESOLVED', 'FALSE_POSITIVE');