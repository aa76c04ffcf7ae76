"""Follow-up services, one module per topic: ``notes`` (notes, appointments, points
d'étape) and ``requests`` (the inbox of the public's requests)."""
