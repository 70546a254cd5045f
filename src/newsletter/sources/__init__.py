"""Reading a group's files: settings, event files and their fields, images, recurring series, mailing-service presets."""
