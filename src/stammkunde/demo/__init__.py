"""A realistic demo shop: German customers with a heterogeneous repeat-buying history."""
