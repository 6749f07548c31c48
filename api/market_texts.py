"""The market's public pages' texts, Vietnamese first, English second (as the console's
catalogue keeps them)."""

from __future__ import annotations

LANGUAGES = ("vi", "en")

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Chợ vận tải: báo giá ngay", "Transport market: instant quotes"),
    "intro": (
        "Chọn điểm nhận, điểm giao và giờ: các hợp tác xã phục vụ tuyến này báo giá ngay.",
        "Choose the pickup, the drop-off and the time: the cooperatives serving it quote at once.",
    ),
    "pickup": ("Điểm nhận", "Pickup"),
    "dropoff": ("Điểm giao", "Drop-off"),
    "day": ("Ngày", "Day"),
    "from": ("Từ", "From"),
    "to": ("Đến", "To"),
    "load_kg": ("Khối lượng (kg)", "Load (kg)"),
    "vehicle_kind": ("Loại xe", "Vehicle"),
    "kind_truck": ("Xe tải", "Truck"),
    "kind_van": ("Xe van", "Van"),
    "ask": ("Xem giá", "Get prices"),
    "none": ("Chưa có hợp tác xã nào phục vụ tuyến này.", "No cooperative serves this trip yet."),
    "error": ("Không báo giá được", "Could not quote"),
    "total": ("Tổng", "Total"),
    "feasible": ("Có xe đang trong ca", "A vehicle is on shift"),
    "not_feasible": ("Chưa chắc có xe", "No vehicle sure yet"),
    "valid_until": ("Giá giữ đến", "Price held until"),
    "line_base": ("Phí cơ bản", "Base fee"),
    "line_distance": ("Theo km", "Distance"),
    "line_duration": ("Theo giờ", "Duration"),
    "line_minimum_top_up": ("Bù mức tối thiểu", "Minimum top-up"),
    "line_night": ("Phụ phí đêm", "Night surcharge"),
    "line_weekend_holiday": ("Phụ phí cuối tuần/lễ", "Weekend/holiday surcharge"),
    "line_waiting": ("Chờ đợi", "Waiting"),
    "line_extra_stops": ("Điểm dừng thêm", "Extra stops"),
    "line_loading_help": ("Bốc xếp", "Loading help"),
    "switch_language": ("English", "Tiếng Việt"),
}


def texts_for(language: str) -> dict[str, str]:
    column = LANGUAGES.index(language)
    return {key: pair[column] for key, pair in TEXTS.items()}
