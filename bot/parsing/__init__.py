"""Pure parsers for what people type: common dates/users/refs and each command's grammar."""
