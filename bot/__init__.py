"""The EP resolutions bot: answers questions about European Parliament resolutions with cited passages."""
