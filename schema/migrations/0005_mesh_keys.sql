CREATE TABLE `mesh_keys` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`fingerprint` text NOT NULL,
	`ed25519_public` text NOT NULL,
	`mldsa65_public` text NOT NULL,
	`private_ciphertext` text NOT NULL,
	`created_at` integer NOT NULL,
	`retired_at` integer,
	`grace_until` integer,
	PRIMARY KEY(`tenant_id`, `id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
