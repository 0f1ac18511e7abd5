"""Medication (委托服药): the guardian's signed consent, each dose given with a witness, never outside the consent."""
