"""Review forms in chat: presenting questions, pre-filled numbers and submitting."""
