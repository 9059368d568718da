"""A one-file Django project for tests/wsgi.sh: its settings, its URLs
and its views are in this module.

POST /form     a form field back (the view is csrf_exempt; the CSRF
               middleware is on, so without it the POST would be 403)
GET  /api      JSON
GET  /stream   a StreamingHttpResponse of 5 lines
GET  /file     this file as a FileResponse (wsgi.file_wrapper)
"""
import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=['*'],
        SECRET_KEY='poolserve-test-only-not-secret',
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[],
        MIDDLEWARE=[
            'django.middleware.common.CommonMiddleware',
            'django.middleware.csrf.CsrfViewMiddleware',
        ],
        USE_TZ=True,
    )
    django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import (FileResponse, HttpResponse,  # noqa: E402
                         HttpResponseBadRequest, JsonResponse,
                         StreamingHttpResponse)
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402


@csrf_exempt
@require_POST
def form(request):
    name = request.POST.get('name')
    if not name:
        return HttpResponseBadRequest('name is missing\n')
    return HttpResponse('hello %s, %d fields\n' % (name, len(request.POST)),
                        content_type='text/plain')


def guarded(request):
    """Not exempt: a POST without a CSRF token must get 403."""
    return HttpResponse('never without a token\n')


def api(request):
    return JsonResponse({'framework': 'django',
                         'version': django.get_version(),
                         'path': request.path,
                         'script_name': request.META.get('SCRIPT_NAME'),
                         'query': request.GET.dict()})


def stream(request):
    return StreamingHttpResponse(('line %d\n' % i for i in range(1, 6)),
                                 content_type='text/plain')


def file(request):
    return FileResponse(open(__file__, 'rb'), content_type='text/x-python')


urlpatterns = [
    path('form', form),
    path('guarded', guarded),
    path('api', api),
    path('stream', stream),
    path('file', file),
]

application = get_wsgi_application()
