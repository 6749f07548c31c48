"""Error texts in Vietnamese and English, chosen by the request's Accept-Language.

Domain code writes precise English messages; a Vietnamese-speaking caller gets a Vietnamese
sentence for the error's code (naming the field) with the precise English kept in ``detail``.
"""

from __future__ import annotations

VIETNAMESE = {
    "validation_error": "Dữ liệu không hợp lệ ở trường «{field}».",
    "invalid": "Dữ liệu không phù hợp ở trường «{field}».",
    "not_found": "Không tìm thấy dữ liệu yêu cầu.",
    "conflict": "Giá trị của trường «{field}» đã được dùng cho một bản ghi khác.",
    "state_conflict": "Thao tác không thực hiện được ở trạng thái hiện tại («{field}»).",
    "invalid_transition": "Không thể chuyển sang trạng thái này; xem các bước được phép.",
    "proof_required": "Cần ảnh hoặc chữ ký giao hàng trước khi hoàn tất.",
    "forbidden": "Vai trò của bạn không được phép thực hiện thao tác này.",
    "password_change_required": "Bạn cần đổi mật khẩu (do người khác đặt) trước khi tiếp tục.",
    "not_authenticated": "Bạn chưa đăng nhập hoặc phiên đăng nhập đã hết hạn.",
    "too_many_requests": "Đăng nhập sai quá nhiều lần; vui lòng thử lại sau.",
    "too_many_streams": "Đang mở quá nhiều kết nối nhận tin; hãy đóng bớt rồi thử lại.",
    "broker_unavailable": "Máy chủ nhận dữ liệu đang không truy cập được; vui lòng gửi lại sau.",
    "method_not_allowed": "Thao tác này không được hỗ trợ.",
    "http_error": "Yêu cầu không thực hiện được.",
    "bad_request": "Yêu cầu không hợp lệ.",
    # why a plan failed (routing.planning.PlanError; English in PLAN_ERROR_TEXTS)
    "plan_failed": "Lập kế hoạch gặp lỗi ngoài dự kiến; lỗi đã được ghi lại cho người vận hành.",
    "travel_times_unavailable": "Không kết nối được dịch vụ thời gian di chuyển; hãy lập lại sau.",
    "worker_lost": "Tiến trình chạy kế hoạch này đã dừng; hãy lập kế hoạch lại.",
    "plan_invalid": "Kế hoạch tìm được vi phạm một quy tắc nên không được lưu; hãy lập lại.",
    "too_large": "Dữ liệu gửi lên vượt quá giới hạn cho phép («{field}»).",
    # machine clients and outbound targets (docs/integrations.md)
    "scope_missing": "Khóa API này không được cấp phạm vi cho thao tác này.",
    "target_refused": "Địa chỉ đích («{field}») là địa chỉ nội bộ; không được gửi tới.",
}


def wants_vietnamese(accept_language: str | None) -> bool:
    """True when Vietnamese comes before English in Accept-Language (e.g. ``vi-VN,vi;q=0.9``)."""
    if not accept_language:
        return False
    ranked = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("vi"):
            return True
        if tag.startswith("en"):
            return False
    return False


def vietnamese(code: str, field: str | None) -> str:
    text = VIETNAMESE.get(code, VIETNAMESE["bad_request"])
    return text.format(field=field or "?")
