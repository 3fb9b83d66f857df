"""Retrieve cited passages, read a verbatim answer span, decide when to abstain, evaluate against gold answers."""
