"""The Slack adapter: slack-bolt (async) in HTTP or Socket Mode, Block Kit replies, the outbox via the Web API."""
