"""Food safety and meals: samples (食品留样) with fridge evidence, weekly menus (带量食谱), meal-fee publication."""
