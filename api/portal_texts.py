"""The members' portal and the rules page in Vietnamese (the default) and English, in the
console's shape (key → (vi, en)); the words the console already has (sign-in, papers, events)
come from its table, so nothing is written twice."""

from __future__ import annotations

from api.console_texts import LANGUAGES, TEXTS

_PORTAL: dict[str, tuple[str, str]] = {
    "portal_name": ("coopfleet — Cổng thông tin xã viên", "coopfleet — members' portal"),
    "portal_sign_in_title": ("Đăng nhập xã viên", "Members' sign-in"),
    "portal_login": ("Số điện thoại", "Phone number"),
    "portal_members_only": (
        "Cổng này dành cho xã viên; cán bộ HTX dùng trang điều hành.",
        "This portal is for members; the cooperative's staff use the console.",
    ),
    "nav_home": ("Xe của tôi", "My vehicles"),
    "nav_statement": ("Sao kê", "Statement"),
    "nav_rules": ("Quy định", "Rules"),
    "my_vehicles": ("Xe của tôi", "My vehicles"),
    "balance": ("Số dư", "Balance"),
    "balance_owed": ("bạn còn phải nộp HTX", "you owe the cooperative"),
    "balance_due": ("HTX còn phải trả bạn", "the cooperative owes you"),
    "balance_even": ("không còn nợ", "nothing owed"),
    "payment_code": ("Nội dung chuyển khoản", "Transfer reference"),
    "papers": ("Giấy tờ", "Papers"),
    "days_left": ("còn {days} ngày", "{days} days left"),
    "expired_days": ("đã hết hạn {days} ngày", "expired {days} days ago"),
    "not_recorded": ("chưa ghi nhận", "not recorded"),
    "this_month": ("Tháng này", "This month"),
    "km": ("Quãng đường", "Distance"),
    "trips": ("Chuyến chạy", "Trips"),
    "jobs_delivered": ("Đơn đã giao", "Jobs delivered"),
    "violations_last_month": ("Vi phạm tháng trước", "Last month's violations"),
    "no_violations": ("Không có vi phạm", "No violations"),
    "jobs": ("Đơn hàng của xe tôi", "My vehicles' jobs"),
    "messages": ("Tin nhắn từ HTX", "Messages from the cooperative"),
    "no_messages": ("Chưa có tin nhắn.", "No messages yet."),
    "no_jobs": ("Chưa có đơn nào trong tháng.", "No jobs this month."),
    "statement_title": ("Sao kê tài khoản tháng", "Account statement for"),
    "month": ("Tháng", "Month"),
    "opening": ("Số dư đầu kỳ", "Opening balance"),
    "closing": ("Số dư cuối kỳ", "Closing balance"),
    "date": ("Ngày", "Date"),
    "description": ("Diễn giải", "Description"),
    "debit": ("Phát sinh nợ", "Debit"),
    "credit": ("Phát sinh có", "Credit"),
    "running_balance": ("Số dư", "Balance"),
    "download_pdf": ("Tải PDF", "Download PDF"),
    "not_found": ("Không tìm thấy.", "Not found."),
    "rules_title": (
        "Quy định pháp luật cho lái xe và chủ xe",
        "What the law asks of drivers and owners",
    ),
    "rules_intro": (
        "Trang này được tạo từ bảng quy định có hiệu lực theo ngày mà coopfleet dùng để "
        "kiểm tra hành trình và điều xe.",
        "This page is generated from the dated rule table coopfleet uses to check journeys "
        "and dispatch.",
    ),
    "rules_in_force": ("Có hiệu lực hôm nay", "In force today"),
    "rules_driver": ("Lái xe", "Drivers"),
    "rules_owner": (
        "Chủ xe và thiết bị giám sát hành trình",
        "Owners and journey-monitoring devices",
    ),
    "rules_since": ("từ", "since"),
    "rules_source": ("Nguồn", "Source"),
    "rules_papers_note": (
        "Giấy tờ có giá trị đến hết ngày hết hạn; xe hoặc lái xe có giấy tờ hết hạn "
        "không được điều.",
        "A paper is valid through its expiry date; a vehicle or driver with a lapsed paper "
        "is not dispatched.",
    ),
    "rules_changes": ("Những thay đổi", "What changed"),
    "rules_last_change": ("Thay đổi gần nhất", "Last change"),
    "rules_changed_on": ("Từ ngày {date}", "From {date}"),
    "rules_my_standing": ("Tình trạng của tôi", "My standing"),
}

TEXTS_PORTAL: dict[str, tuple[str, str]] = {**TEXTS, **_PORTAL}


def portal_texts(language: str) -> dict[str, str]:
    column = LANGUAGES.index(language)
    return {key: pair[column] for key, pair in TEXTS_PORTAL.items()}
