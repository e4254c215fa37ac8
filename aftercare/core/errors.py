"""Exceptions that reach the user as one Chinese line (exit 1)."""

from __future__ import annotations


class AftercareError(Exception):
    """A refused action or bad input: the message is shown to the user as is."""

    def __init__(self, message: str, hint: str = "", code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code


class DataError(AftercareError):
    """The store holds data that does not load; carries every problem found."""

    def __init__(self, problems):
        self.problems = list(problems)
        first = self.problems[0]
        more = f"（另有 {len(self.problems) - 1} 处问题，运行 aftercare check 查看全部）" if len(self.problems) > 1 else ""
        super().__init__(f"{first}{more}", hint=first.hint, code=first.code)


# what the operating system's error codes mean, as the user reads them (by errno name: not every
# platform has every code)
OS_REASONS = {
    "ENOENT": "文件或文件夹不存在",
    "ENOTDIR": "路径中有一段不是文件夹",
    "EISDIR": "这是一个文件夹，不是文件",
    "EACCES": "没有权限",
    "EPERM": "没有权限（操作不被允许）",
    "EEXIST": "已存在同名的文件或文件夹",
    "ENOTEMPTY": "文件夹不为空",
    "ENOSPC": "磁盘空间已满",
    "EDQUOT": "磁盘配额已用完",
    "EROFS": "只读文件系统，不能写入",
    "ENAMETOOLONG": "文件名或路径太长",
    "ELOOP": "符号链接层数过多（或指向自身）",
    "EBUSY": "文件或设备正被占用",
    "ETXTBSY": "文件正被占用",
    "EXDEV": "不能跨文件系统移动",
    "EMFILE": "打开的文件过多",
    "ENFILE": "系统打开的文件过多",
    "EIO": "磁盘读写出错",
    "EINVAL": "文件名或参数无效",
    "EFBIG": "文件太大",
    "ENODEV": "设备不存在",
    "ENXIO": "设备不存在或未就绪",
    "EAGAIN": "资源暂时不可用，请稍后重试",
    "ETIMEDOUT": "操作超时",
    "ECONNREFUSED": "连接被拒绝",
}


def os_reason(exc: OSError) -> str:
    """The Chinese words for why an operation of the operating system failed (the English kept in
    parentheses only for a code not in OS_REASONS)."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    if name in OS_REASONS:
        return OS_REASONS[name]
    detail = exc.strerror or str(exc) or name
    return f"操作系统报告错误（{detail}）" if detail else "操作系统报告错误"
