"""InfoCoach: a Discord bot that coaches students through informational interviews."""
