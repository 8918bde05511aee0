"""Trained answer-model weights (JSON), written by eval/train/train_answer_models.py."""
