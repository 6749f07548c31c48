"""Vocabulary of the demo cooperative: Vietnamese names, places and vehicle makes."""

from __future__ import annotations

# Family names with rough national frequencies (per cent).
FAMILY_NAMES = [
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 4),
    ("Huỳnh", 4),
    ("Phan", 4),
    ("Vũ", 3),
    ("Võ", 3),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 1),
    ("Lý", 1),
    ("Đinh", 1),
    ("Trương", 1),
    ("Lâm", 1),
    ("Mai", 1),
]
MIDDLE_NAMES_MALE = ["Văn", "Hữu", "Minh", "Đức", "Quốc", "Thanh", "Công", "Ngọc", "Hoàng"]
MIDDLE_NAMES_FEMALE = ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Hồng"]
GIVEN_NAMES_MALE = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Hải",
    "Hùng",
    "Huy",
    "Khánh",
    "Long",
    "Minh",
    "Nam",
    "Phong",
    "Phúc",
    "Quang",
    "Sơn",
    "Tài",
    "Thắng",
    "Thành",
    "Tuấn",
    "Trung",
    "Việt",
    "Vinh",
]
GIVEN_NAMES_FEMALE = ["Anh", "Hà", "Hạnh", "Hương", "Lan", "Linh", "Mai", "Nga", "Nhung", "Thảo"]

WARDS = [
    "Phường Tân Phong, Biên Hòa",
    "Phường Long Bình, Biên Hòa",
    "Phường Trảng Dài, Biên Hòa",
    "Phường Tam Hiệp, Biên Hòa",
    "Phường Hố Nai, Biên Hòa",
    "Xã Phước Tân, Biên Hòa",
    "Thị trấn Trảng Bom",
    "Thị trấn Long Thành",
    "Xã Hiệp Phước, Nhơn Trạch",
    "Phường Xuân An, Long Khánh",
    "Thị trấn Dầu Giây, Thống Nhất",
    "Thị trấn Vĩnh An, Vĩnh Cửu",
]
STREETS = [
    "Phạm Văn Thuận",
    "Đồng Khởi",
    "Nguyễn Ái Quốc",
    "Võ Thị Sáu",
    "Quốc lộ 1A",
    "Quốc lộ 51",
    "Bùi Văn Hòa",
    "Huỳnh Văn Nghệ",
    "Cách Mạng Tháng Tám",
]

# (kind, share %, makes and models, payload kg range, seats range, badge type)
VEHICLE_KINDS = [
    (
        "truck",
        55,
        [
            "Hino FG8JP7A",
            "Isuzu FVR34Q",
            "Hyundai HD120SL",
            "Thaco Ollin 720",
            "Fuso Canter TF8.5",
            "Howo A7",
            "Isuzu QKR270",
        ],
        (1000, 15000),
        None,
        "freight",
    ),
    (
        "container_tractor",
        10,
        ["Howo A7 420", "Hyundai Xcient", "Freightliner Cascadia", "International Prostar"],
        (25000, 40000),
        None,
        "container",
    ),
    (
        "van",
        10,
        ["Ford Transit", "Hyundai Solati", "Thaco Frontier TF450", "Suzuki Carry Pro"],
        (700, 1500),
        None,
        "freight",
    ),
    (
        "contract_car",
        10,
        ["Toyota Innova", "Kia Carnival", "Ford Transit 16 chỗ", "Hyundai Solati 16 chỗ"],
        None,
        (4, 16),
        "contract",
    ),
    (
        "coach",
        8,
        ["Thaco Universe", "Samco Felix", "Hyundai Universe", "Thaco Mobihome"],
        None,
        (29, 45),
        "contract",
    ),
    ("bus", 4, ["Samco City I47", "Thaco City TB79S", "Hyundai County"], None, (29, 60), "bus"),
    ("taxi", 3, ["Toyota Vios", "Kia Morning", "VinFast VF e34"], None, (4, 7), "taxi"),
]
PLATE_SERIES = {
    "truck": "C",
    "container_tractor": "C",
    "van": "D",
    "contract_car": "A",
    "coach": "B",
    "bus": "B",
    "taxi": "A",
}
PROVINCES = [("60", 70), ("39", 8), ("51", 8), ("50", 4), ("61", 4), ("72", 3), ("86", 3)]
LICENCE_FOR_KIND = {
    "truck": ["C", "C1", "C"],
    "container_tractor": ["CE", "FC"],
    "van": ["B", "C1", "B2"],
    "contract_car": ["B", "D1", "B2"],
    "coach": ["D", "D2", "E"],
    "bus": ["D", "DE"],
    "taxi": ["B", "B2"],
}

# Đồng Nai's towns (name, lat, lon, weight by how much freight they see): where the demo's and the
# planning benchmark's orders come from and go to.
TOWNS = [
    ("Biên Hòa", 10.957, 106.843, 5),
    ("Long Thành", 10.782, 106.952, 3),
    ("Nhơn Trạch", 10.700, 106.893, 3),
    ("Trảng Bom", 10.955, 107.005, 2),
    ("Long Khánh", 10.931, 107.244, 2),
    ("Xuân Lộc", 10.935, 107.400, 1),
    ("Định Quán", 11.190, 107.350, 1),
    ("Thống Nhất", 10.970, 107.160, 1),
    ("Cẩm Mỹ", 10.805, 107.250, 1),
    ("Vĩnh Cửu", 11.030, 106.900, 1),
]
CUSTOMERS = [
    "Công ty TNHH Gỗ Tân Mai",
    "Công ty CP Bao bì Biên Hòa",
    "Công ty TNHH Thực phẩm Long Thành",
    "HTX Nông nghiệp Xuân Lộc",
    "Công ty TNHH Điện tử Amata",
    "Công ty CP Vật liệu xây dựng Đồng Nai",
    "Công ty TNHH May mặc Trảng Bom",
    "Nhà sách Long Khánh",
    "Công ty TNHH Cao su Cẩm Mỹ",
    "Trường THPT Nhơn Trạch",
]

# Depots (name, address, lat, lon) and zones (name, kind, speed limit, ring of lon/lat).
DEPOTS = [
    ("Bãi xe trung tâm Biên Hòa", "Phạm Văn Thuận, Tân Tiến, Biên Hòa", 10.9574, 106.8426),
    ("Bãi xe KCN Amata", "KCN Amata, Long Bình, Biên Hòa", 10.9530, 106.8830),
    ("Bãi xe Nhơn Trạch", "KCN Nhơn Trạch 3, Hiệp Phước, Nhơn Trạch", 10.7350, 106.9100),
    ("Bãi xe Trảng Bom", "Quốc lộ 1A, Trảng Bom", 10.9500, 107.0000),
]
ZONES = [
    (
        "Nội thành Biên Hòa",
        "city",
        50,
        [(106.80, 10.92), (106.89, 10.92), (106.89, 10.99), (106.80, 10.99)],
    ),
    (
        "KCN Amata",
        "customer_site",
        30,
        [(106.87, 10.94), (106.90, 10.94), (106.90, 10.965), (106.87, 10.965)],
    ),
    (
        "KCN Nhơn Trạch",
        "customer_site",
        40,
        [(106.89, 10.71), (106.94, 10.71), (106.94, 10.76), (106.89, 10.76)],
    ),
    (
        "Cấm xe tải trung tâm Biên Hòa",
        "restricted",
        40,
        [(106.83, 10.94), (106.86, 10.94), (106.86, 10.965), (106.83, 10.965)],
    ),
    (
        "Vùng phục vụ Đồng Nai – TP.HCM",
        "service_area",
        None,
        [(106.55, 10.55), (107.40, 10.55), (107.40, 11.20), (106.55, 11.20)],
    ),
]
