ALTER TABLE `rule_firings` ADD `completed_at` integer;--> statement-breakpoint
ALTER TABLE `rule_firings` ADD `incident_id` text;--> statement-breakpoint
ALTER TABLE `rule_firings` ADD `incident_created` integer DEFAULT false NOT NULL;--> statement-breakpoint
-- Firings from before this column were carried out in full or not at all: mark them done.
UPDATE `rule_firings` SET `completed_at` = `fired_at`;
