"""The cooperative's money: a double-entry ledger per cooperative in VND integers, settlement of
delivered jobs between the cooperative and the vehicle's owner, statements and month close."""
