"""Tables, transactions, the journal and the outbox: how tickets are kept."""
