CREATE TABLE `consensus_agents` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`public_key` text NOT NULL,
	`endpoint` text NOT NULL,
	`capabilities` text NOT NULL,
	`metadata` text NOT NULL,
	`status` text DEFAULT 'OFFLINE' NOT NULL,
	`reputation` real DEFAULT 1 NOT NULL,
	`last_heartbeat` integer,
	`rounds_assigned` integer DEFAULT 0 NOT NULL,
	`tasks_completed` integer DEFAULT 0 NOT NULL,
	`mean_response_ms` real,
	`cpu_usage` real,
	`memory_usage` real,
	`invalid_signatures` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `consensus_agents_name` ON `consensus_agents` (`tenant_id`,`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `consensus_agents_key` ON `consensus_agents` (`tenant_id`,`public_key`);--> statement-breakpoint
CREATE INDEX `consensus_agents_status` ON `consensus_agents` (`tenant_id`,`status`);