"""The default result template's body (Vietnamese: it is printed on a legal document)."""

DEFAULT_BODY = """Căn cứ hồ sơ số {{ dossier_code }} tiếp nhận ngày {{ received_on }} của {{ applicant_name }} (số định danh {{ id_number }}), địa chỉ: {{ address }};

{{ agency }} giải quyết thủ tục hành chính "{{ procedure }}" và cấp {{ result_name }} cho {{ applicant_name }}.

Văn bản này được ký số bởi {{ agency }}; có giá trị như bản giấy khi chữ ký số hợp lệ. Tra cứu tính xác thực bằng mã QR hoặc tại địa chỉ in bên dưới."""
