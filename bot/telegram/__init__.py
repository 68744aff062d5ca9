"""The Telegram layer: app wiring, handlers by feature, and the HTML renderers beside them."""
