"""Shipped model files (n-gram LM, OCR channel, seq2seq weights) and their cards."""
