"""The agent's push path: durable queue (queue.py), sender (sender.py), Sink (service.py)."""
