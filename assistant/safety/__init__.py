"""What the assistant does to practise the guidance: redaction, order filtering, login, audit, feedback."""
