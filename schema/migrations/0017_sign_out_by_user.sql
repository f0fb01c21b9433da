CREATE INDEX `sessions_user` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE INDEX `token_families_user` ON `token_families` (`user_id`);