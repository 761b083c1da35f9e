"""Rules of the hotline that need neither a database nor a network."""
