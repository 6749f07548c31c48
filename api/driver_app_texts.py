"""The driver app's words in Vietnamese (the default) and English, key → (vi, en), as the
console's catalogue does; the names the console already has (order statuses, papers, vehicle
kinds) come from it, so a status reads the same on the phone and on the dispatcher's screen.
"""

from __future__ import annotations

import functools
import json

from api.console_texts import LANGUAGES, TEXTS

__all__ = ["LANGUAGES", "texts_for", "texts_json"]

SHARED_GROUPS = ("order_status_", "document_", "kind_")

_APP: dict[str, tuple[str, str]] = {
    "app_title": ("coopfleet — Ứng dụng tài xế", "coopfleet — driver app"),
    "switch_language": ("English", "Tiếng Việt"),
    "sign_in_title": ("Đăng nhập tài xế", "Driver sign-in"),
    "phone": ("Số điện thoại", "Phone number"),
    "password_or_pin": ("Mật khẩu hoặc mã PIN", "Password or PIN"),
    "sign_in": ("Đăng nhập", "Sign in"),
    "wrong_login": ("Sai số điện thoại, mật khẩu hoặc PIN.", "Wrong phone, password or PIN."),
    "too_many_attempts": (
        "Đăng nhập sai quá nhiều lần; vui lòng thử lại sau.",
        "Too many failed attempts; try again later.",
    ),
    "drivers_only": ("Ứng dụng này dành cho tài xế.", "This app is for drivers."),
    "change_password_first": (
        "Mật khẩu này là tạm thời: hãy đổi mật khẩu trên trang điều hành hoặc nhờ văn phòng.",
        "This is a temporary password: change it first (console) or ask the office.",
    ),
    "sign_out": ("Đăng xuất", "Sign out"),
    "sign_out_everywhere": ("Đăng xuất mọi máy", "Sign out everywhere"),
    "nav_shift": ("Ca", "Shift"),
    "nav_offers": ("Chuyến mới", "Offers"),
    "nav_route": ("Lộ trình", "Route"),
    "nav_account": ("Tài khoản", "Account"),
    "offline": ("Mất kết nối — đang lưu để gửi sau", "Offline — saving to send later"),
    "waiting_to_send": ("Chờ gửi ({count})", "Waiting to send ({count})"),
    "sending": ("Đang gửi…", "Sending…"),
    "all_sent": ("Đã gửi hết", "All sent"),
    "queued_step": ("Bước: {status} — đơn {reference}", "Step: {status} — order {reference}"),
    "queued_proof": ("Ảnh/chữ ký — đơn {reference}", "Photo/signature — order {reference}"),
    "queued_positions": ("Vị trí ({count})", "Positions ({count})"),
    "send_refused": ("Máy chủ từ chối: {message}", "Refused by the server: {message}"),
    "no_shift": ("Chưa vào ca", "Not on shift"),
    "on_shift_since": ("Đang trong ca từ {time}", "On shift since {time}"),
    "on_break_since": ("Đang nghỉ từ {time}", "On a break since {time}"),
    "vehicle": ("Xe", "Vehicle"),
    "no_vehicle": ("Chưa được phân công xe", "No vehicle assigned"),
    "plate": ("Biển số", "Plate"),
    "planned_end": ("Dự kiến kết thúc", "Planned end"),
    "start_shift": ("Bắt đầu ca", "Start shift"),
    "start_break": ("Nghỉ giải lao", "Take a break"),
    "end_break": ("Hết nghỉ", "End the break"),
    "end_shift": ("Kết thúc ca", "End shift"),
    "papers_warning": ("Giấy tờ sắp hết hạn", "Papers expiring"),
    "paper_expires": ("{document}: hết hạn {date}", "{document}: expires {date}"),
    "paper_expired": ("{document}: ĐÃ HẾT HẠN {date}", "{document}: EXPIRED {date}"),
    "driving_time": ("Thời gian lái liên tục", "Continuous driving"),
    "time_left": ("Còn lại {time}", "{time} left"),
    "break_needed": (
        "Đã đến giới hạn lái liên tục: hãy dừng nghỉ ít nhất 15 phút.",
        "Continuous-driving limit reached: stop for a break of 15 minutes or more.",
    ),
    "limit_soon": (
        "Sắp đến giới hạn lái liên tục: còn {time}. Hãy tìm chỗ dừng nghỉ.",
        "Continuous-driving limit soon: {time} left. Find a place to stop.",
    ),
    "no_offers": ("Chưa có chuyến mới.", "No offers right now."),
    "offer_title": ("Chuyến mới: {price}", "New job: {price}"),
    "offer_from": ("Nhận tại", "Pick up at"),
    "offer_to": ("Giao tới", "Deliver to"),
    "answer_within": ("Trả lời trong {seconds} giây", "Answer within {seconds} s"),
    "accept": ("Nhận chuyến", "Accept"),
    "decline": ("Từ chối", "Decline"),
    "offer_gone": ("Chuyến này đã hết hạn hoặc đã giao cho người khác.", "This offer is gone."),
    "accepted": ("Đã nhận chuyến.", "Job accepted."),
    "live_on": ("Đang nhận chuyến trực tiếp", "Receiving offers live"),
    "live_off": ("Đang kết nối lại…", "Reconnecting…"),
    "no_jobs": ("Không có việc nào trong lộ trình.", "No jobs on your route."),
    "pickup": ("Nhận hàng", "Pickup"),
    "dropoff": ("Giao hàng", "Drop-off"),
    "eta": ("Dự kiến tới", "ETA"),
    "window": ("Khung giờ", "Window"),
    "contact": ("Liên hệ", "Contact"),
    "call": ("Gọi {phone}", "Call {phone}"),
    "navigate": ("Chỉ đường", "Navigate"),
    "load": ("Hàng", "Load"),
    "notes": ("Ghi chú", "Notes"),
    "open_job": ("Làm việc này", "Work on this job"),
    "show_map": ("Xem bản đồ", "Show the map"),
    "map_label": ("Bản đồ lộ trình", "Route map"),
    "me_here": ("Tôi ở đây", "I am here"),
    "back": ("Quay lại", "Back"),
    "step_en_route_pickup": ("Bắt đầu đi nhận hàng", "Drive to the pickup"),
    "step_at_pickup": ("Đã đến điểm nhận", "Arrived at the pickup"),
    "step_picked_up": ("Đã nhận hàng", "Picked up"),
    "step_en_route_dropoff": ("Đi giao hàng", "Drive to the drop-off"),
    "step_at_dropoff": ("Đã đến điểm giao", "Arrived at the drop-off"),
    "step_delivered": ("Đã giao xong", "Delivered"),
    "failed": ("Không giao được", "Could not deliver"),
    "reason": ("Lý do", "Reason"),
    "reason_customer_absent": ("Khách vắng mặt", "Customer absent"),
    "reason_refused": ("Khách từ chối nhận", "Refused"),
    "reason_address_wrong": ("Sai địa chỉ", "Wrong address"),
    "reason_vehicle_problem": ("Xe gặp sự cố", "Vehicle problem"),
    "reason_goods_damaged": ("Hàng hư hỏng", "Goods damaged"),
    "reason_other": ("Lý do khác", "Other"),
    "confirm_failed": ("Báo không giao được", "Report it failed"),
    "proof": ("Bằng chứng giao hàng", "Proof of delivery"),
    "proof_needed": ("Cần: {what}", "Needed: {what}"),
    "photo": ("Ảnh", "Photo"),
    "take_photo": ("Chụp ảnh", "Take a photo"),
    "signature": ("Chữ ký người nhận", "Recipient's signature"),
    "clear_pad": ("Xóa", "Clear"),
    "recipient_name": ("Tên người nhận", "Recipient's name"),
    "save_proof": ("Lưu ảnh và chữ ký", "Save photo and signature"),
    "proof_saved": ("Đã lưu bằng chứng", "Proof saved"),
    "proof_empty": ("Chưa có ảnh hay chữ ký.", "No photo or signature yet."),
    "step_saved": ("Đã ghi: {status}", "Recorded: {status}"),
    "job_done": ("Việc đã xong.", "This job is done."),
    "pin_title": ("Mã PIN cho máy này", "A PIN for this phone"),
    "pin_why": (
        "Đặt mã PIN 6 số để đăng nhập nhanh trên chính điện thoại này.",
        "Set a 6-digit PIN to sign in quickly on this phone only.",
    ),
    "current_password": ("Mật khẩu hiện tại", "Current password"),
    "new_pin": ("Mã PIN (6 số)", "PIN (6 digits)"),
    "save_pin": ("Lưu mã PIN", "Save the PIN"),
    "pin_saved": ("Đã lưu mã PIN.", "PIN saved."),
    "install_hint": (
        "Mẹo: trong Chrome, chọn ⋮ → “Thêm vào màn hình chính” để cài ứng dụng.",
        "Tip: in Chrome, choose ⋮ → “Add to Home screen” to install the app.",
    ),
    "signed_in_as": ("Đăng nhập: {name}", "Signed in: {name}"),
    "kg": ("{value} kg", "{value} kg"),
    "seats_count": ("{value} ghế", "{value} seats"),
}


def texts_for(language: str) -> dict[str, str]:
    """The app's texts and the console's shared names, in ``language``."""
    column = LANGUAGES.index(language)
    shared = {key: pair[column] for key, pair in TEXTS.items() if key.startswith(SHARED_GROUPS)}
    return {**shared, **{key: pair[column] for key, pair in _APP.items()}}


@functools.cache
def texts_json(language: str) -> tuple[dict[str, str], str]:
    """The texts, and the same as JSON safe inside a <script> element (built once)."""
    texts = texts_for(language)
    return texts, json.dumps(texts, ensure_ascii=False).replace("<", "\\u003c")
