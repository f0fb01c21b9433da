CREATE TABLE `logs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`received_at` integer NOT NULL,
	`payload` text NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `logs_tenant_time` ON `logs` (`tenant_id`,`received_at`);--> statement-breakpoint
CREATE INDEX `logs_time` ON `logs` (`received_at`);--> statement-breakpoint
CREATE TABLE `rule_firings` (
	`rule_id` text NOT NULL,
	`group_value` text NOT NULL,
	`fired_at` integer NOT NULL,
	PRIMARY KEY(`rule_id`, `group_value`),
	FOREIGN KEY (`rule_id`) REFERENCES `rules`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `rule_matches` (
	`rule_id` text NOT NULL,
	`log_id` integer NOT NULL,
	`group_value` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`rule_id`, `log_id`),
	FOREIGN KEY (`rule_id`) REFERENCES `rules`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `rule_matches_window` ON `rule_matches` (`rule_id`,`group_value`,`at`);--> statement-breakpoint
CREATE INDEX `rule_matches_at` ON `rule_matches` (`at`);--> statement-breakpoint
CREATE TABLE `rules` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`type` text NOT NULL,
	`severity` text NOT NULL,
	`enabled` integer NOT NULL,
	`conditions` text NOT NULL,
	`condition` text NOT NULL,
	`actions` text NOT NULL,
	`source` text DEFAULT 'sql' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `rules_tenant` ON `rules` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `rules_tenant_enabled` ON `rules` (`tenant_id`,`enabled`);