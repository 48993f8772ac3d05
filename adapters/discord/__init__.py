"""The Discord adapter: slash commands generated from the core registry, embeds, modals, the outbox.

commands.py builds the command tree, interactions.py answers interactions, render.py/buttons.py/
forms.py turn replies into messages, messenger.py delivers the outbox, client.py and main.py wire it.
"""
