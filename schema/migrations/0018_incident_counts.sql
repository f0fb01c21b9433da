CREATE TABLE `incident_counts` (
	`tenant_id` text NOT NULL,
	`status` text NOT NULL,
	`severity` text NOT NULL,
	`type` text NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `status`, `severity`, `type`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `incident_counts` (`tenant_id`, `status`, `severity`, `type`, `n`)
	SELECT `tenant_id`, `status`, `severity`, `type`, count(*) FROM `incidents` GROUP BY `tenant_id`, `status`, `severity`, `type`;
--> statement-breakpoint
CREATE TRIGGER `incident_counts_insert` AFTER INSERT ON `incidents` BEGIN
	INSERT INTO `incident_counts` (`tenant_id`, `status`, `severity`, `type`, `n`) VALUES (new.`tenant_id`, new.`status`, new.`severity`, new.`type`, 1)
		ON CONFLICT (`tenant_id`, `status`, `severity`, `type`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `incident_counts_update` AFTER UPDATE OF `status`, `severity`, `type` ON `incidents`
	WHEN old.`status` IS NOT new.`status` OR old.`severity` IS NOT new.`severity` OR old.`type` IS NOT new.`type` BEGIN
	UPDATE `incident_counts` SET `n` = `n` - 1
		WHERE `tenant_id` = old.`tenant_id` AND `status` = old.`status` AND `severity` = old.`severity` AND `type` = old.`type`;
	INSERT INTO `incident_counts` (`tenant_id`, `status`, `severity`, `type`, `n`) VALUES (new.`tenant_id`, new.`status`, new.`severity`, new.`type`, 1)
		ON CONFLICT (`tenant_id`, `status`, `severity`, `type`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
-- A decrement, never an insert: deleting a tenant deletes its incidents, and an insert naming that tenant would fail its foreign key.
CREATE TRIGGER `incident_counts_delete` AFTER DELETE ON `incidents` BEGIN
	UPDATE `incident_counts` SET `n` = `n` - 1
		WHERE `tenant_id` = old.`tenant_id` AND `status` = old.`status` AND `severity` = old.`severity` AND `type` = old.`type`;
END;
