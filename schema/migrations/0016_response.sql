CREATE TABLE `analyses` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`incident_id` text NOT NULL,
	`analysis_type` text NOT NULL,
	`urgency` text NOT NULL,
	`include_recommendations` integer NOT NULL,
	`status` text DEFAULT 'in_progress' NOT NULL,
	`results` text,
	`error` text,
	`requested_by` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`completed_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `analyses_incident` ON `analyses` (`tenant_id`,`incident_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `api_metrics` (
	`tenant_id` text NOT NULL,
	`minute` integer NOT NULL,
	`requests` integer NOT NULL,
	`client_errors` integer NOT NULL,
	`server_errors` integer NOT NULL,
	`total_ms` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `minute`)
);
--> statement-breakpoint
CREATE TABLE `blocklist` (
	`tenant_id` text NOT NULL,
	`cidr` text NOT NULL,
	`remediation_id` text NOT NULL,
	`policy_name` text,
	`reason` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`expires_at` integer,
	PRIMARY KEY(`tenant_id`, `cidr`, `remediation_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`remediation_id`) REFERENCES `remediations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `notification_preferences` (
	`user_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`channels` text NOT NULL,
	`quiet_hours` text,
	`teams` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `notification_providers` (
	`tenant_id` text NOT NULL,
	`channel` text NOT NULL,
	`base_url` text NOT NULL,
	`token_ciphertext` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `channel`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `notifications` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`user_id` text,
	`channel` text NOT NULL,
	`subject` text NOT NULL,
	`body` text NOT NULL,
	`severity` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`provider_status` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`sent_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `notifications_tenant` ON `notifications` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `remediations` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`incident_id` text,
	`action` text NOT NULL,
	`parameters` text NOT NULL,
	`status` text NOT NULL,
	`require_approval` integer NOT NULL,
	`requested_by` text NOT NULL,
	`approval_expires_at` integer,
	`approved_by` text,
	`approval_notes` text,
	`approved_at` integer,
	`plan` text NOT NULL,
	`result` text,
	`inverse` text,
	`error` text,
	`executed_at` integer,
	`expires_at` integer,
	`rolled_back_at` integer,
	`rolled_back_by` text,
	`rollback_reason` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `remediations_tenant` ON `remediations` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `remediations_incident` ON `remediations` (`incident_id`);--> statement-breakpoint
CREATE INDEX `remediations_due` ON `remediations` (`status`,`expires_at`);--> statement-breakpoint
CREATE TABLE `threat_indicators` (
	`tenant_id` text NOT NULL,
	`kind` text NOT NULL,
	`value` text NOT NULL,
	`reputation` text NOT NULL,
	`campaigns` text NOT NULL,
	`source` text NOT NULL,
	`first_seen` integer,
	`valid_until` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `kind`, `value`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `users` ADD `disabled_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `password_reset_required` integer DEFAULT false NOT NULL;