"""Remote villages without grid power and mobile signal: connection options and the programme that builds them."""
