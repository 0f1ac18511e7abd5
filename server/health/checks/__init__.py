"""晨午检 and 全日健康观察 (托儿所幼儿园卫生保健工作规范 附件4), the kiosk's quick screen, follow-ups."""
