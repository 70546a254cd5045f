"""The live preview: its pages and the small HTTP server behind them."""
