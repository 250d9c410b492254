from django.http import FileResponse, Http404
from django.shortcuts import render

from directory.opendata import open_data


def open_data_page(request):
    """What can be downloaded, when it was generated, how many rows, and the licence."""
    metadata = open_data.open_data_metadata()
    downloads = []
    if metadata:
        for kind, download in open_data.DOWNLOADS.items():
            figures = metadata["files"].get(download.name)
            if figures and open_data.open_data_path(kind):
                downloads.append({"kind": kind, "download": download, **figures})
    return render(
        request, "directory/open_data.html", {"metadata": metadata, "downloads": downloads}
    )


def open_data_download(request, kind):
    """A generated file, read from disk: never a query per download."""
    path = open_data.open_data_path(kind)
    if path is None:
        raise Http404("Not generated yet")
    download = open_data.DOWNLOADS[kind]
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=download.name,
        content_type=download.content_type,
    )
