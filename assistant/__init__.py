"""Grounded bilingual assistant over the Hong Kong PCPD's guidance on AI and personal data."""

__version__ = "0.1.0"
