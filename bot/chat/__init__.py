"""The chat layer: neutral messages, the router and its middleware, strings, announcements."""
