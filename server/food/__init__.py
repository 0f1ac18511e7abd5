"""Food safety (issue #18): food samples (食品留样) kept 48 hours with the fridge's evidence; the kitchen's tablet."""
