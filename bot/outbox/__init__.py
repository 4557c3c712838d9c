"""The outbox: every scheduled message is a row; senders claim, pace, post, record and recover."""
