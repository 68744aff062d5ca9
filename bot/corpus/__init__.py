"""Files to documents to passages: parsing, EP structure, the parse cache and corpus writes."""
