CREATE TABLE `canary_hits` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`token_id` text NOT NULL,
	`at` integer NOT NULL,
	`channel` text NOT NULL,
	`ip` text,
	`user_agent` text,
	`country` text,
	`detail` text,
	`alerted` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`token_id`) REFERENCES `canary_tokens`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `canary_hits_token` ON `canary_hits` (`token_id`,`at`);--> statement-breakpoint
CREATE TABLE `canary_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`zone` text NOT NULL,
	`num_qubits` integer NOT NULL,
	`entanglement_pairs` integer NOT NULL,
	`metadata` text NOT NULL,
	`simulation` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`monitor_hash` text NOT NULL,
	`decoy_hash` text NOT NULL,
	`secrets_ciphertext` text NOT NULL,
	`hits` integer DEFAULT 0 NOT NULL,
	`suppressed_hits` integer DEFAULT 0 NOT NULL,
	`last_hit_at` integer,
	`last_alert_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `canary_tokens_monitor` ON `canary_tokens` (`monitor_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `canary_tokens_decoy` ON `canary_tokens` (`decoy_hash`);--> statement-breakpoint
CREATE INDEX `canary_tokens_tenant` ON `canary_tokens` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `crypto_assets` (
	`tenant_id` text NOT NULL,
	`fingerprint` text NOT NULL,
	`kind` text NOT NULL,
	`algorithm` text NOT NULL,
	`key_bits` integer,
	`curve` text,
	`subject` text,
	`not_after` integer,
	`quantum_vulnerable` integer NOT NULL,
	`verdict` text NOT NULL,
	`details` text NOT NULL,
	`first_seen` integer NOT NULL,
	`last_seen` integer NOT NULL,
	`times_seen` integer DEFAULT 1 NOT NULL,
	PRIMARY KEY(`tenant_id`, `fingerprint`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `crypto_assets_verdict` ON `crypto_assets` (`tenant_id`,`verdict`);--> statement-breakpoint
CREATE TABLE `fragment_sets` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`fragment_count` integer NOT NULL,
	`threshold` integer NOT NULL,
	`redundancy` integer NOT NULL,
	`distribution` text NOT NULL,
	`byte_length` integer NOT NULL,
	`fragments` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`expires_at` integer NOT NULL,
	`expired_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `fragment_sets_tenant` ON `fragment_sets` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `fragment_sets_due` ON `fragment_sets` (`status`,`expires_at`);