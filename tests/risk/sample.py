"""The invoice the risk tests start from."""

INVOICE = {
    "seller": "Shree Ganesh Textiles Pvt. Ltd.",
    "buyer": "Tata Motors Limited",
    "number": "INV/2024-25/0042",
    "date": "2024-03-05",
    "currency": "INR",
    "amount": 12500050,
    "lines": [{"hs": "5208.12", "quantity": 1000, "unit_price": 12500}],
}
