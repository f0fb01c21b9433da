ALTER TABLE `correlations` ADD `trigger_event_id` text;--> statement-breakpoint
CREATE UNIQUE INDEX `correlations_trigger` ON `correlations` (`tenant_id`,`trigger_event_id`);