"""Message-level signals (sentiment, open items, responsiveness, lifecycle); see issue #3."""
