"""What a notification says, in Vietnamese and English: one table, event kind → (vi, en) pairs
of title and body, the shape of the console's text catalogue (api/console_texts.py)."""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("vi", "en")

# kind → ((vi title, vi body), (en title, en body)); bodies take the event's values by name
_TEXTS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "offer": (
        ("Chuyến mới", "Đơn {reference}: {pickup} → {dropoff}. Trả lời trong {seconds} giây."),
        ("New job offer", "Order {reference}: {pickup} → {dropoff}. Answer within {seconds} s."),
    ),
    "order_status": (
        ("Đơn hàng {reference}", "Đơn {reference} của quý khách: {status_vi}."),
        ("Order {reference}", "Your order {reference}: {status_en}."),
    ),
    "overspeed": (
        ("Quá tốc độ", "Xe {plate} chạy quá tốc độ: {speed_kmh} km/h (giới hạn {limit_kmh})."),
        ("Overspeed", "Vehicle {plate} over the limit: {speed_kmh} km/h (limit {limit_kmh})."),
    ),
    "driving_time_warning": (
        ("Sắp quá thời gian lái xe", "Tài xế {driver} sắp lái liên tục quá 4 giờ."),
        ("Driving time almost up", "Driver {driver} is close to 4 hours of continuous driving."),
    ),
    "driving_time_violation": (
        ("Vi phạm thời gian lái xe", "Tài xế {driver}: {rule_vi}."),
        ("Driving time violation", "Driver {driver}: {rule_en}."),
    ),
    "not_transmitting": (
        ("Mất tín hiệu", "Xe {plate} không truyền dữ liệu giám sát hành trình."),
        ("Not transmitting", "Vehicle {plate} has stopped sending tracking data."),
    ),
    "geofence": (
        ("Vùng địa lý", "Xe {plate}: {action_vi} vùng {zone}."),
        ("Geofence", "Vehicle {plate}: {action_en} zone {zone}."),
    ),
    "papers_expiring": (
        (
            "Giấy tờ sắp hết hạn",
            "{document_vi} của {label} hết hạn ngày {expires_on} ({days} ngày).",
        ),
        ("Papers expiring", "{document_en} of {label} expires on {expires_on}."),
    ),
    "plan_accepted": (
        ("Kế hoạch đã duyệt", "Kế hoạch {plan} đã được duyệt: {orders} đơn."),
        ("Plan accepted", "Plan {plan} was accepted: {orders} orders."),
    ),
}

# words the bodies above name in each language
DOCUMENTS = {
    "licence": ("Giấy phép lái xe", "The driving licence"),
    "badge": ("Phù hiệu", "The operating badge"),
    "inspection": ("Đăng kiểm", "The inspection"),
    "insurance": ("Bảo hiểm", "The insurance"),
}
ORDER_STATUSES = {
    "accepted": ("đã có tài xế nhận", "a driver has taken it"),
    "en_route_pickup": ("tài xế đang đến lấy hàng", "the driver is on the way to the pickup"),
    "picked_up": ("đã lấy hàng", "picked up"),
    "en_route_dropoff": ("đang giao hàng", "on its way to you"),
    "at_dropoff": ("tài xế đã đến nơi giao", "the driver has arrived"),
    "delivered": ("đã giao thành công", "delivered"),
    "failed": ("giao không thành công", "could not be delivered"),
    "cancelled": ("đã hủy", "cancelled"),
}
VIOLATIONS = {
    "continuous_driving_violation": (
        "lái xe liên tục quá 4 giờ",
        "over 4 hours of continuous driving",
    ),
    "daily_driving_violation": (
        "lái xe quá 10 giờ trong ngày",
        "over 10 hours of driving in a day",
    ),
    "weekly_driving_violation": (
        "lái xe quá 48 giờ trong tuần",
        "over 48 hours of driving in a week",
    ),
}
GEOFENCE_ACTIONS = {
    "geofence_enter": ("vào", "entered"),
    "geofence_exit": ("ra khỏi", "left"),
    "geofence_dwell": ("dừng lâu trong", "stayed long in"),
}

KINDS = tuple(_TEXTS)


class _Values(dict[str, object]):
    """Missing values read as an empty string: a text never fails on an event without them."""

    def __missing__(self, key: str) -> str:
        return ""


def render(kind: str, language: str, values: Mapping[str, object]) -> tuple[str, str]:
    """The title and body of ``kind`` in ``language`` (``vi`` or ``en``)."""
    pair = _TEXTS[kind][LANGUAGES.index(language)]
    filled = _Values(values)
    return pair[0].format_map(filled), pair[1].format_map(filled)


def words(table: Mapping[str, tuple[str, str]], value: str) -> dict[str, str]:
    """A value's Vietnamese and English words, as ``{"vi": …, "en": …}``."""
    vi, en = table.get(value, (value, value))
    return {"vi": vi, "en": en}
