"""The Drehbuch that ships: one trigger per event with a German and an English mail."""
