CREATE TABLE `mesh_links` (
	`tenant_id` text NOT NULL,
	`source_id` text NOT NULL,
	`target_id` text NOT NULL,
	`weight` real NOT NULL,
	`severed_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`tenant_id`, `source_id`, `target_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `mesh_nodes` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`label` text NOT NULL,
	`system_type` text NOT NULL,
	`region` text NOT NULL,
	`state` text DEFAULT 'NOMINAL' NOT NULL,
	`protected` integer DEFAULT false NOT NULL,
	`isolated_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `mesh_routes` (
	`tenant_id` text NOT NULL,
	`source_id` text NOT NULL,
	`target_id` text NOT NULL,
	`path` text NOT NULL,
	`cost` real NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`tenant_id`, `source_id`, `target_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
