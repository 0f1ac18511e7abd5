"""Illness: the 表4 儿童传染病登记表, exclusion until a return certificate, and the outbreak alert."""
